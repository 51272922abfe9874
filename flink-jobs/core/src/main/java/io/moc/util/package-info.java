/** Small helpers shared by the pure and the Flink code; no Flink imports. */
package io.moc.util;
