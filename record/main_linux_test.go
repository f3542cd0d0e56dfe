package record

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == HelperVerb {
		os.Exit(RunHelper())
	}
	os.Exit(m.Run())
}
