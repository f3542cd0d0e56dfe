package filter

import "github.com/seccompctl/seccompctl/profile"

func mustJSON(p *profile.Profile) string {
	b, err := p.Marshal()
	if err != nil {
		return err.Error()
	}
	return string(b)
}
