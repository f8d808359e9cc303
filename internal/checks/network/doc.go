// Package network holds the catalogue's "network" section checks. Network Security (NET):
// NetworkPolicies, Services, Ingresses and load balancers from manifests and the Kubernetes
// API, and, with the cluster's AWS side (source aws-eks), who enforces NetworkPolicies.
package network
