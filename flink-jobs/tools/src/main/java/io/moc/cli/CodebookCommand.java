package io.moc.cli;

import io.moc.codebook.methods.CodebookMethods;
import io.moc.ctr.eval.CodebookEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bin/moc codebook train|eval}: codebooks trained and compared offline. */
@Command(
    name = "codebook",
    description = "Codebooks trained and compared offline on a dataset's item texts.",
    subcommands = {CodebookCommand.Train.class, CodebookCommand.Eval.class})
final class CodebookCommand extends MocCommand.Group {

  /** What both subcommands share. */
  static final class Common {
    @Mixin DatasetOption dataset;

    @Option(
        names = "--size",
        paramLabel = "K",
        defaultValue = "256",
        description = "Codes per codebook (default ${DEFAULT-VALUE}).")
    int size;

    @Option(
        names = "--projected-dimension",
        paramLabel = "D",
        defaultValue = "32",
        description = "Projection size of projected-kmeans (default ${DEFAULT-VALUE}).")
    int projected;

    @Option(
        names = "--iterations",
        paramLabel = "N",
        defaultValue = "25",
        description = "k-means iterations (default ${DEFAULT-VALUE}).")
    int iterations;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "0",
        description = "Use only the first N items (by id), for a quick look.")
    int limit;

    CodebookEvaluation.Common settings() {
      Path data = dataset.data;
      if (!Files.isDirectory(data)) {
        throw new IllegalArgumentException("--data " + data + " is not a dataset directory");
      }
      return new CodebookEvaluation.Common(
          data, size, projected, iterations, limit, home().resolve(".moc/cache"));
    }
  }

  @Command(
      name = "train",
      description =
          "Train one codebook offline on a dataset's item text (embedded once, cached): its"
              + " artifact and metrics in --out.")
  static final class Train extends MocCommand {
    @Mixin Common common;

    @Option(
        names = "--method",
        required = true,
        paramLabel = "M",
        description = "kmeans, pq, projected-kmeans, rqvae, moc, moc-heads.")
    String method;

    @Option(names = "--codebooks", paramLabel = "N", defaultValue = "4")
    int codebooks;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1")
    long seed;

    @Option(names = "--out", required = true, paramLabel = "DIR")
    Path outDir;

    @Override
    public Integer call() throws Exception {
      new CodebookEvaluation(out()).train(common.settings(), method, codebooks, seed, outDir);
      return 0;
    }
  }

  @Command(
      name = "eval",
      description =
          "Compare the codebook methods at several scales over seeds: JSON rows and a figure"
              + " (discriminability and information abundance against scale, spectra).")
  static final class Eval extends MocCommand {
    @Mixin Common common;

    @Option(names = "--report", required = true, paramLabel = "FILE")
    Path report;

    @Option(names = "--methods", paramLabel = "a,b", split = ",", description = "Default: all.")
    List<String> methods;

    @Option(names = "--scales", paramLabel = "1,2,3,7", split = ",", defaultValue = "1,2,3,7")
    List<Integer> scales;

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "3")
    int seeds;

    @Override
    public Integer call() throws Exception {
      new CodebookEvaluation(out())
          .eval(
              common.settings(),
              methods != null ? methods : CodebookMethods.ALL,
              scales,
              seeds,
              report);
      return 0;
    }
  }
}
