package dev.buildswarm.tls;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a client reaches a coordinator's gRPC port: in plaintext, or over TLS trusting a CA file (or,
 * without one, the JVM's trusted CAs) and, for mutual TLS, presenting a client certificate. Only
 * file names are held and shown, never their contents. Immutable.
 *
 * @param enabled whether TLS is used
 * @param ca PEM file of the CAs to trust for the coordinator's certificate; null: the JVM's
 * @param cert PEM file of this client's certificate chain; null: none presented
 * @param key PEM file (PKCS#8) of that certificate's private key; null exactly when {@code cert} is
 */
public record ClientTls(boolean enabled, Path ca, Path cert, Path key) {
  /** An address with this prefix is reached over TLS even without a CA file. */
  public static final String SCHEME = "tls://";

  public static final ClientTls PLAINTEXT = new ClientTls(false, null, null, null);

  public ClientTls {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(
          "a client certificate needs its key and a key its certificate: give both or neither (got "
              + (cert == null ? "a key " + key : "a certificate " + cert) + ")");
    }
    if (!enabled && (ca != null || cert != null)) {
      throw new IllegalArgumentException("TLS files given for a plaintext connection");
    }
  }

  /**
   * The settings a client was given: TLS when {@code target} starts with {@code tls://} or any file
   * is named. Blank or null names are "not given".
   */
  public static ClientTls of(String target, String ca, String cert, String key) {
    Path caFile = path(ca);
    Path certFile = path(cert);
    Path keyFile = path(key);
    boolean tls = target.strip().startsWith(SCHEME) || caFile != null || certFile != null || keyFile != null;
    return tls ? new ClientTls(true, caFile, certFile, keyFile) : PLAINTEXT;
  }

  private static Path path(String name) {
    return name == null || name.isBlank() ? null : Path.of(name.strip());
  }

  /** {@code host:port} of a target, without the {@code tls://} prefix. */
  public static String address(String target) {
    String t = target.strip();
    return t.startsWith(SCHEME) ? t.substring(SCHEME.length()) : t;
  }

  /**
   * The credentials for a channel. Reads the files now, so a missing or unreadable one is reported
   * at start-up, named, and not at the first call.
   *
   * @throws IllegalArgumentException naming the file that cannot be read
   */
  public ChannelCredentials credentials() {
    if (!enabled) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
    try {
      if (ca != null) {
        tls.trustManager(readable(ca, "CA file").toFile());
      }
      if (cert != null) {
        tls.keyManager(readable(cert, "client certificate").toFile(), readable(key, "client key").toFile());
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read a TLS file: " + e.getMessage(), e);
    }
    return tls.build();
  }

  private static Path readable(Path file, String what) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException("the " + what + " " + file + " does not exist or cannot be read");
    }
    return file;
  }

  /**
   * What a failed call's status leaves out about TLS, to append to its message: the innermost cause
   * of a refused handshake ("unable to find valid certification path"), or, for a plaintext client
   * whose connection was closed at once, that the port may want TLS. Empty when neither applies.
   */
  public String explain(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return "";
    }
    Throwable cause = status.getCause();
    while (cause != null && cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    if (cause != null && (cause.getClass().getName() + cause.getMessage()).matches("(?is).*(ssl|tls|certif|handshake).*")) {
      return "; TLS: " + cause.getMessage() + " (check the CA file and the coordinator's certificate)";
    }
    if (!enabled && String.valueOf(status.getDescription()).startsWith("Network closed")) {
      return "; if the coordinator serves TLS, give the CA file to trust (--tls-ca)";
    }
    return "";
  }

  /** For logs and messages: what is used, by file name. */
  public String describe() {
    if (!enabled) {
      return "plaintext";
    }
    return "TLS (trusting " + (ca != null ? ca : "the JVM's CAs")
        + (cert != null ? ", client certificate " + cert : ", no client certificate") + ")";
  }
}
