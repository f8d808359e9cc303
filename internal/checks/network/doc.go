// Package network holds the catalogue's "network" section checks that manifests and the
// Kubernetes API can evaluate. Network Security (NET): NetworkPolicies, Services, Ingresses and load balancers.
package network
