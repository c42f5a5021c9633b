package dev.buildswarm.coordinator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SwarmCliHelpTest {

  /** Every command that does something, not the groups that only list their commands. */
  private static void leaves(CommandLine command, List<CommandLine> out) {
    if (command.getSubcommands().isEmpty()) {
      out.add(command);
    }
    command.getSubcommands().values().forEach(sub -> leaves(sub, out));
  }

  @Test
  void everyCommandsHelpShowsAnExampleAndTheCommonOptions() {
    List<CommandLine> commands = new ArrayList<>();
    leaves(new CommandLine(new SwarmCli()), commands);
    assertTrue(commands.size() >= 23, "the commands: " + commands.size());
    for (CommandLine command : commands) {
      String help = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
      String name = command.getCommandSpec().qualifiedName();
      assertTrue(help.contains("Example"), name + " --help has an example:\n" + help);
      for (String option : List.of("--json", "--coordinator", "--token", "--config")) {
        assertTrue(help.contains(option), name + " --help lists " + option);
      }
    }
    assertEquals(0, commands.stream().filter(c -> c.getCommandSpec().qualifiedName().isBlank()).count());
  }
}
