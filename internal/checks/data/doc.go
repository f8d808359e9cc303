// Package data holds the catalogue's "data" section checks that manifests and the
// Kubernetes API can evaluate. Data encryption and secrets management (DATA): secret consumption, storage encryption, credentials in plain text.
package data
