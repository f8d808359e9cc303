// Package data holds the catalogue's "data" section checks: from manifests and the
// Kubernetes API, and with the cluster's AWS side (source aws-eks) envelope encryption. Data encryption and secrets management (DATA): secret consumption, storage encryption, credentials in plain text.
package data
