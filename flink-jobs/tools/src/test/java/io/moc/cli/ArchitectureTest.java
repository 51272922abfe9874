package io.moc.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module cut, checked on the compiled classes of every module (this module's class path holds
 * them all): Maven keeps a module from seeing the ones above it, these rules keep the packages
 * inside a module honest too.
 */
class ArchitectureTest {

  /** The model core (moc-core) and the topic contracts (moc-avro). */
  private static final String[] CORE = {
    "io.moc.avro..",
    "io.moc.util..",
    "io.moc.codebook..",
    "io.moc.ctr.model..",
    "io.moc.ctr.metrics..",
    "io.moc.ctr.online..",
    "io.moc.embed.."
  };

  /** The scorer (moc-scorer). */
  private static final String[] SCORER = {"io.moc.serving..", "io.moc.kafka.."};

  /** The jobs (moc-flink-jobs). */
  private static final String[] JOBS = {
    "io.moc.common..", "io.moc.indexing..", "io.moc.training.."
  };

  /** The tools (moc-tools). */
  private static final String[] TOOLS = {
    "io.moc.cli..",
    "io.moc.local..",
    "io.moc.bench..",
    "io.moc.cluster..",
    "io.moc.audit..",
    "io.moc.source..",
    "io.moc.ctr.data..",
    "io.moc.ctr.eval.."
  };

  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.moc");
  }

  @Test
  void shouldHaveNoPackageCycles() {
    slices().matching("io.moc.(**)").should().beFreeOfCycles().check(classes);
  }

  @Test
  void shouldKeepTheModelCoreFreeOfFlinkKafkaAndEverythingAboveIt() {
    noClasses()
        .that()
        .resideInAnyPackage(CORE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            concat(new String[] {"org.apache.flink..", "org.apache.kafka.."}, SCORER, JOBS, TOOLS))
        .check(classes);
  }

  @Test
  void shouldKeepTheScorerFreeOfFlinkAndOfTheJobs() {
    noClasses()
        .that()
        .resideInAnyPackage(SCORER)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(concat(new String[] {"org.apache.flink.."}, JOBS, TOOLS))
        .check(classes);
  }

  @Test
  void shouldKeepEachJobToItselfAndWhatBothShare() {
    noClasses()
        .that()
        .resideInAPackage("io.moc.training..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.moc.indexing..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.moc.indexing..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.moc.training..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.moc.common..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.moc.indexing..", "io.moc.training..")
        .check(classes);
  }

  @Test
  void shouldKeepTheJobsFreeOfTheTools() {
    noClasses()
        .that()
        .resideInAnyPackage(JOBS)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(TOOLS)
        .check(classes);
  }

  private static String[] concat(String[]... parts) {
    return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
  }
}
