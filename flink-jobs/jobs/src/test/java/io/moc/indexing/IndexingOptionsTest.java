package io.moc.indexing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class IndexingOptionsTest {

  @Test
  void shouldRunThePapersMethodAt7x256AfterAProjectedKMeansBootstrapByDefault() {
    IndexingSettings settings = IndexingOptions.read(new Configuration());
    assertEquals("moc", settings.codebookMethod());
    assertEquals(7, settings.numCodebooks());
    assertEquals(256, settings.codebookSize());
    assertTrue(settings.lifecycle().bootstraps());
    assertEquals("projected-kmeans", settings.lifecycle().bootstrapMethod());
    assertTrue(settings.lifecycle().trainInBackground());
  }

  @Test
  void shouldTellABootstrapVersionFromOneOfTheConfiguredMethod() {
    IndexingSettings settings = IndexingOptions.read(new Configuration());
    CodebookEntry entry = new CodebookEntry();
    entry.method = "projected-kmeans";
    entry.numCodebooks = 7;
    entry.codebookSize = 256;
    assertFalse(settings.isOfConfiguredMethod(entry));
    entry.method = "moc";
    assertTrue(settings.isOfConfiguredMethod(entry));
    entry.codebookSize = 64;
    assertFalse(settings.isOfConfiguredMethod(entry), "another K is another version shape");
  }

  @Test
  void shouldNotBootstrapWhenTheBootstrapIsEmptyOrTheMethodItself() {
    Configuration config = new Configuration();
    config.set(IndexingOptions.BOOTSTRAP_METHOD, "");
    assertFalse(IndexingOptions.read(config).lifecycle().bootstraps());
    config.set(IndexingOptions.BOOTSTRAP_METHOD, "moc");
    assertFalse(IndexingOptions.read(config).lifecycle().bootstraps());
  }

  @Test
  void shouldRefuseAnUnknownCodebookMethodAtStartRatherThanNeverCodeAnItem() {
    Configuration config = new Configuration();
    config.set(IndexingOptions.CODEBOOK_METHOD, "mocc");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> IndexingOptions.read(config));
    assertTrue(e.getMessage().contains("'mocc'"), e.getMessage());
    Configuration bootstrap = new Configuration();
    bootstrap.set(IndexingOptions.BOOTSTRAP_METHOD, "kmean");
    assertThrows(IllegalArgumentException.class, () -> IndexingOptions.read(bootstrap));
  }
}
