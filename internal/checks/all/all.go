// Package all registers every eksguard check: importing it for side effects fills the registry.
package all

import (
	_ "github.com/eksguard/eksguard/internal/checks/iam" // identity and access management section
	_ "github.com/eksguard/eksguard/internal/checks/pod" // pod security section
)
