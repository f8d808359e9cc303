package detective

import (
	"testing"

	"github.com/eksguard/eksguard/internal/checks/checktest"
)

func TestFixtures(t *testing.T) { checktest.Run(t, "testdata") }
