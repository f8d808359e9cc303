// Package runtime holds the catalogue's "runtime" section checks that manifests and the
// Kubernetes API can evaluate. Runtime security (RUN): threat-detection agents and Linux hardening mechanisms.
package runtime
