package io.moc.cli;

import io.moc.ctr.eval.EvalMethod;
import io.moc.ctr.model.CtrModelConfig.Backbone;
import io.moc.embed.TextModel;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** {@code bin/moc <command> [options]}; {@code bin/moc <command> --help} for each command's own. */
@Command(
    name = "bin/moc",
    mixinStandardHelpOptions = true,
    // -h/--help and -V/--version on every command.
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = MocCli.Version.class,
    description = "The streaming Mixture-of-Codes indexer and CTR trainer, and its tools.",
    footer = {
      "",
      "bin/moc <command> --help shows a command's options; the README has examples of each."
    },
    subcommands = {
      LocalCommand.class,
      ClusterCommand.class,
      AuditCommand.class,
      BenchCommand.class,
      CodebookCommand.class,
      EvaluateCommand.class,
      HelpCommand.class
    })
public final class MocCli extends MocCommand {

  final PrintStream out;

  private MocCli(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  /**
   * Runs one command; returns the process exit code: the command's own, 1 without a command, 2 for
   * a usage or configuration error (named on {@code err}).
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine cli = commandLine(out, err);
    return cli.execute(args);
  }

  /** The command line with the project's converters, printing to {@code out} and {@code err}. */
  static CommandLine commandLine(PrintStream out, PrintStream err) {
    CommandLine cli = new CommandLine(new MocCli(out));
    cli.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cli.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    // Flink's duration syntax (90s, 5min), as in the jobs' own options.
    cli.registerConverter(Duration.class, TimeUtils::parseDuration);
    cli.registerConverter(Backbone.class, b -> Backbone.valueOf(b.trim().toUpperCase(Locale.ROOT)));
    cli.registerConverter(EvalMethod.class, m -> EvalMethod.named(m.trim()));
    cli.registerConverter(TextModel.class, TextModel::named);
    cli.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          if (e instanceof IllegalArgumentException) {
            line.getErr().println("Error: " + e.getMessage());
            return 2;
          }
          throw e;
        });
    return cli;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 1;
  }

  /** The project version the build filtered into {@code version.properties}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws Exception {
      java.util.Properties p = new java.util.Properties();
      try (var in = MocCli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"moc " + p.getProperty("version", "(unknown build)")};
    }
  }
}
