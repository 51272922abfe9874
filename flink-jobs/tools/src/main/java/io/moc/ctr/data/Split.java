package io.moc.ctr.data;

/** The three consecutive periods of a time split, earliest first. */
public enum Split {
  TRAIN,
  VALID,
  TEST
}
