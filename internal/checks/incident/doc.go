// Package incident holds the catalogue's "incident-response" section checks that manifests and the
// Kubernetes API can evaluate. Incident response and forensics (IR): the ability to isolate compromised workloads.
package incident
