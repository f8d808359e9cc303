// Package infra holds the catalogue's "infrastructure" section checks that manifests and the
// Kubernetes API can evaluate. Infrastructure (hosts) security (INF): nodes and their versions.
package infra
