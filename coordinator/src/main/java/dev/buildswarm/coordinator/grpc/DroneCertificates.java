package dev.buildswarm.coordinator.grpc;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS for drones: with a drone CA configured, every call of the drone service must come over
 * a TLS connection whose client presented a certificate. The TLS layer has already checked that
 * certificate against the drone CA (and refused the connection otherwise); this finds the clients
 * that presented none, which the TLS layer lets through for the CLI's and the dashboard's sake. A
 * client holding only a certificate of another CA presents none: the server names the CAs it
 * accepts, and TLS clients send only a certificate one of them signed.
 * Thread-safe (stateless).
 */
public final class DroneCertificates implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(DroneCertificates.class);

  private final boolean required;

  public DroneCertificates(boolean required) {
    this.required = required;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (required && !presentedCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))) {
      LOG.warn(
          "refused {} from {}: no client certificate signed by the drone CA (this coordinator takes drones only"
              + " over mutual TLS)",
          call.getMethodDescriptor().getBareMethodName(),
          call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
      call.close(
          Status.UNAUTHENTICATED.withDescription(
              "this coordinator takes drones only over mutual TLS, and this drone presented no client certificate"
                  + " signed by the swarm's drone CA (give it --tls-cert and --tls-key of one)"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private static boolean presentedCertificate(SSLSession session) {
    if (session == null) {
      return false;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }
}
