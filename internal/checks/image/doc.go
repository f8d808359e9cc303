// Package image holds the catalogue's "image-security" section checks that manifests and the
// Kubernetes API can evaluate. Image security (IMG): image references, registries, pull policies and signature verification.
package image
