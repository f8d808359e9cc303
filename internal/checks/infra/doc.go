// Package infra holds the catalogue's "infrastructure" section checks. Infrastructure (hosts)
// security (INF): nodes and their versions, from manifests and the Kubernetes API, and with
// the cluster's AWS side (source aws-eks) node groups, add-ons and the Kubernetes version's
// EKS support.
package infra
