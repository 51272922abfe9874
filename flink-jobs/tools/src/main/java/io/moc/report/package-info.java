/** How the tools write what they found: JSON reports and their figures (SVG and PNG). */
package io.moc.report;
