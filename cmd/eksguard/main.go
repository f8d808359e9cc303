// Command eksguard checks EKS clusters and Kubernetes manifests against EKS security best
// practices, the CIS Amazon EKS Benchmark and the Pod Security Standards.
package main

import (
	"os"

	"github.com/eksguard/eksguard/internal/cli"
)

func main() {
	os.Exit(cli.Execute(os.Args[1:], cli.StdIO()))
}
