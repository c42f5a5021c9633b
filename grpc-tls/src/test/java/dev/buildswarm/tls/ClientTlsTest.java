package dev.buildswarm.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.nio.file.Path;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class ClientTlsTest {
  @Test
  void anAddressWithoutTlsPrefixOrFilesIsPlaintext() {
    assertFalse(ClientTls.of("build-master:7420", null, "", " ").enabled());
    assertEquals("build-master:7420", ClientTls.address("build-master:7420"));
  }

  @Test
  void theTlsPrefixOrACaFileTurnsTlsOn() {
    ClientTls byScheme = ClientTls.of("tls://build-master:7420", null, null, null);
    assertTrue(byScheme.enabled());
    assertEquals("build-master:7420", ClientTls.address("tls://build-master:7420"));
    assertTrue(byScheme.describe().contains("the JVM's CAs"));
    assertTrue(ClientTls.of("build-master:7420", "/etc/buildswarm/ca.pem", null, null).enabled());
  }

  @Test
  void aCertificateWithoutItsKeyIsRefusedNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ClientTls.of("h:1", null, "/etc/drone.pem", null));
    assertTrue(e.getMessage().contains("/etc/drone.pem"), e.getMessage());
  }

  @Test
  void aMissingFileIsNamedWhenTheCredentialsAreMade() {
    ClientTls tls = new ClientTls(true, Path.of("/nonexistent/ca.pem"), null, null);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, tls::credentials);
    assertTrue(e.getMessage().contains("/nonexistent/ca.pem"), e.getMessage());
  }

  @Test
  void aRefusedHandshakeIsExplainedAndAPlaintextClientIsToldAboutTls() {
    Status handshake =
        Status.UNAVAILABLE.withDescription("ssl exception")
            .withCause(new RuntimeException(new SSLHandshakeException("PKIX path building failed")));
    assertTrue(ClientTls.of("tls://h:1", null, null, null).explain(handshake).contains("PKIX path building failed"));
    Status closed = Status.UNAVAILABLE.withDescription("Network closed for unknown reason");
    assertTrue(ClientTls.PLAINTEXT.explain(closed).contains("--tls-ca"));
    assertEquals("", ClientTls.PLAINTEXT.explain(Status.NOT_FOUND));
  }
}
