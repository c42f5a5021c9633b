package dev.buildswarm.coordinator.binhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.buildswarm.coordinator.domain.Artifact;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {
  @TempDir Path dir;

  private static Artifact artifact(String name, byte[] bytes) throws Exception {
    return new Artifact(name, bytes.length, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
  }

  @Test
  void anUploadIsRefusedWhenTheDiskIsNearlyFull() throws Exception {
    ArtifactStore store = new ArtifactStore(dir, 2, Long.MAX_VALUE / 4);
    ArtifactStore.UploadRefused refused =
        assertThrows(ArtifactStore.UploadRefused.class, () -> store.begin(List.of(artifact("a/b-1.tbz2", new byte[10])), Duration.ofSeconds(1)));
    assertTrue(refused.getMessage().contains("MiB free"), refused.getMessage());
    assertTrue(refused.getMessage().contains(dir.toString()), refused.getMessage());
  }

  @Test
  void filesShorterThanAnnouncedAreNotStored() throws Exception {
    ArtifactStore store = new ArtifactStore(dir, 2, 0);
    byte[] bytes = "twelve bytes".getBytes();
    try (ArtifactStore.Upload upload = store.begin(List.of(artifact("a/b-1.tbz2", bytes), artifact("a/b-1.gpkg.tar", bytes)), Duration.ofSeconds(1))) {
      upload.write(ByteBuffer.wrap(bytes));
      upload.write(ByteBuffer.wrap(bytes, 0, 5));
      assertThrows(ArtifactStore.ChecksumMismatch.class, upload::finish);
    }
    try (Stream<Path> left = Files.walk(dir)) {
      assertEquals(0, left.filter(Files::isRegularFile).count(), "no file, whole or partial, left behind");
    }
  }

  @Test
  void namesOutsideOneCategoryDirectoryAreRefused() {
    for (String bad : List.of("../a-1.tbz2", "/etc/a-1.tbz2", "a/b/c-1.tbz2", "a/..tbz2", "a/b-1.txt", "a/.hidden-1.tbz2", "a-1.tbz2")) {
      assertThrows(IllegalArgumentException.class, () -> new Artifact(bad, 1, "0".repeat(64)), bad);
    }
  }
}
