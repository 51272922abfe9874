/** Integration tests: the jobs against a real in-process KRaft broker and a Flink MiniCluster. */
package io.moc.it;
