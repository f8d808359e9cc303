// Package incident holds the catalogue's "incident-response" section checks: those that
// manifests and the Kubernetes API can evaluate, and those that read the account's AWS side
// (GuardDuty findings routing, Amazon Detective). Incident response and forensics (IR): the
// ability to isolate compromised workloads.
package incident
