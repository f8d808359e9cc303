// Package all registers every eksguard check: importing it for side effects fills the registry.
package all

import (
	_ "github.com/eksguard/eksguard/internal/checks/compliance" // policy as code
	_ "github.com/eksguard/eksguard/internal/checks/data"       // data encryption and secrets
	_ "github.com/eksguard/eksguard/internal/checks/detective"  // detective controls
	_ "github.com/eksguard/eksguard/internal/checks/iam"        // identity and access management
	_ "github.com/eksguard/eksguard/internal/checks/image"      // image security
	_ "github.com/eksguard/eksguard/internal/checks/incident"   // incident response
	_ "github.com/eksguard/eksguard/internal/checks/infra"      // infrastructure (hosts)
	_ "github.com/eksguard/eksguard/internal/checks/network"    // network security
	_ "github.com/eksguard/eksguard/internal/checks/pod"        // pod security
	_ "github.com/eksguard/eksguard/internal/checks/runtime"    // runtime security
	_ "github.com/eksguard/eksguard/internal/checks/tenancy"    // multi-tenancy
)
