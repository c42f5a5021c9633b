package dev.buildswarm.coordinator.grpc;

import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS of the coordinator's gRPC port: its certificate and key, and optionally the CA that signs
 * drones' client certificates (mutual TLS). Only file names are held and shown. Immutable.
 *
 * <p>With a client CA, the TLS layer <em>asks</em> every client for a certificate and refuses one
 * not signed by that CA, but lets a client without any through: the CLI and the dashboard use the
 * same port and prove themselves with operator tokens. {@link DroneCertificates} then requires a
 * verified certificate on the drone service alone (see docs/security.md).
 *
 * @param cert PEM certificate chain of the coordinator (its own certificate first); null: plaintext
 * @param key PEM (PKCS#8 or PKCS#1) private key of that certificate
 * @param clientCa PEM file of the CAs whose client certificates are accepted; null: no mutual TLS
 */
public record ServerTls(Path cert, Path key, Path clientCa) {
  public static final ServerTls PLAINTEXT = new ServerTls(null, null, null);

  public ServerTls {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(
          "gRPC TLS needs both buildswarm.grpc.tls.cert and buildswarm.grpc.tls.key (BUILDSWARM_GRPC_TLS_CERT,"
              + " BUILDSWARM_GRPC_TLS_KEY); only " + (cert != null ? "the certificate" : "the key") + " is set");
    }
    if (clientCa != null && cert == null) {
      throw new IllegalArgumentException(
          "buildswarm.grpc.tls.client-ca (BUILDSWARM_GRPC_TLS_CLIENT_CA) needs TLS: set buildswarm.grpc.tls.cert and"
              + " buildswarm.grpc.tls.key too");
    }
  }

  /** From settings where blank means "not set". */
  public static ServerTls of(String cert, String key, String clientCa) {
    return new ServerTls(path(cert), path(key), path(clientCa));
  }

  private static Path path(String name) {
    return name == null || name.isBlank() ? null : Path.of(name.strip());
  }

  public boolean enabled() {
    return cert != null;
  }

  /** Whether drones must present a certificate signed by {@link #clientCa}. */
  public boolean dronesNeedCertificates() {
    return clientCa != null;
  }

  /**
   * Reads the files now, so a missing one stops the coordinator at start-up with its name.
   *
   * @throws IllegalArgumentException naming the setting and file that cannot be read
   */
  public ServerCredentials credentials() {
    if (!enabled()) {
      return InsecureServerCredentials.create();
    }
    TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder();
    try {
      tls.keyManager(
          readable(cert, "buildswarm.grpc.tls.cert").toFile(), readable(key, "buildswarm.grpc.tls.key").toFile());
      if (clientCa != null) {
        tls.trustManager(readable(clientCa, "buildswarm.grpc.tls.client-ca").toFile());
        tls.clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read a gRPC TLS file: " + e.getMessage(), e);
    }
    return tls.build();
  }

  private static Path readable(Path file, String setting) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new IllegalArgumentException(setting + ": " + file + " does not exist or cannot be read");
    }
    return file;
  }

  /** For the start-up log: what is used, by file name. */
  public String describe() {
    if (!enabled()) {
      return "plaintext";
    }
    return "TLS with " + cert
        + (clientCa != null ? "; drones need a client certificate signed by " + clientCa : "; no client certificates");
  }
}
