package dev.buildswarm.bench;

import dev.buildswarm.coordinator.cli.SwarmCli;
import dev.buildswarm.proto.v1.AdminServiceGrpc;
import dev.buildswarm.proto.v1.StatusReply;
import dev.buildswarm.proto.v1.StatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The operator's side of a benchmark: imports through the real CLI, reads status. Thread-safe. */
final class Admin implements AutoCloseable {
  private final String target;
  private final Path tokenFile;
  private final ManagedChannel channel;
  private final AdminServiceGrpc.AdminServiceBlockingStub stub;

  Admin(String target, Path tokenFile) throws IOException {
    this.target = target;
    this.tokenFile = tokenFile;
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token(tokenFile));
    this.channel = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    this.stub = AdminServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  static String token(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .findFirst()
        .orElseThrow(() -> new IOException("no token in " + file));
  }

  StatusReply status() {
    return stub.status(StatusRequest.getDefaultInstance());
  }

  long count(String state) {
    return status().getPackagesByStateOrDefault(state, 0);
  }

  /**
   * Writes {@code count} atoms {@code =app-misc/<name>N-1.0} to a list file and queues them with
   * {@code swarm queue import}, in this JVM (the CLI's own code: parsing, checks, batches of
   * 10,000 AdminService.Enqueue requests).
   */
  void importAtoms(String name, int count) throws IOException {
    Path list = Files.createTempFile("bench-import", ".txt");
    try {
      StringBuilder text = new StringBuilder(count * 24);
      for (int i = 0; i < count; i++) {
        text.append("=app-misc/").append(name).append(i).append("-1.0\n");
      }
      Files.writeString(list, text);
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int exit =
          SwarmCli.run(
              new String[] {"--coordinator", target, "--token-file", tokenFile.toString(), "queue", "import", "--format", "list", list.toString()},
              new PrintWriter(out, true),
              new PrintWriter(err, true));
      if (exit != 0 || !out.toString().startsWith(count + " queued")) {
        throw new IllegalStateException("swarm queue import exited " + exit + ": " + out + err);
      }
    } finally {
      Files.deleteIfExists(list);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
