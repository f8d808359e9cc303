// Package runtime holds the catalogue's "runtime" section checks: those that manifests and the
// Kubernetes API can evaluate, and the GuardDuty checks that read the cluster's AWS side.
// Runtime security (RUN): threat-detection agents and Linux hardening mechanisms.
package runtime
