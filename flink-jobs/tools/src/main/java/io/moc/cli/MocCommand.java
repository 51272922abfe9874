package io.moc.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every {@code bin/moc} command shares: its console and the project's home. */
abstract class MocCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** The console {@link MocCli#run} was given (the commands' reports are written to it). */
  PrintStream out() {
    return ((MocCli) spec.root().userObject()).out;
  }

  /**
   * The checkout {@code bin/moc} runs from (system property {@code moc.home}, set by the script):
   * the default config, work and cache directories are under it.
   */
  static Path home() {
    return Path.of(System.getProperty("moc.home", "."));
  }

  /** A command that only groups subcommands: without one it shows its usage and fails. */
  abstract static class Group extends MocCommand {
    @Override
    public Integer call() {
      spec.commandLine().usage(spec.commandLine().getErr());
      return 2;
    }
  }
}
