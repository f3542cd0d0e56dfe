package profile

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParse checks that the loader never panics, that every failure is an ErrorList of
// located errors, and that whatever loads survives a write/read round trip unchanged.
// The seed corpus is under testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(appJSON))
	f.Add([]byte("defaultAction: SCMP_ACT_LOG\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.json", "f.yaml"} {
			ps, err := ParseAll(name, data)
			if err != nil {
				var list ErrorList
				if !errors.As(err, &list) || len(list) == 0 {
					t.Fatalf("%s: error is not a non-empty ErrorList: %#v", name, err)
				}
				for _, e := range list {
					if e.File != name || e.Msg == "" {
						t.Fatalf("%s: error without file or message: %+v", name, e)
					}
				}
				continue
			}
			out, err := MarshalAll(ps)
			if err != nil {
				if ps[0].Source.Format == FormatSPO || strings.Contains(err.Error(), "mixes") {
					continue // e.g. errnoRet 0, or resources mixed with plain profiles
				}
				t.Fatalf("%s: loaded but cannot be written: %v", name, err)
			}
			again, err := ParseAll(name, out)
			if err != nil {
				t.Fatalf("%s: our own output does not load: %v\n%s", name, err, out)
			}
			if !reflect.DeepEqual(stripSource(ps), stripSource(again)) {
				t.Fatalf("%s: round trip changed the profile\n%s", name, out)
			}
		}
	})
}
