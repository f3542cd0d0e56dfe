package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/seccompctl/seccompctl/profile"
)

// maxInput is the input limit in bytes (--max-input-mib): the library's own bound
// unless raised or lowered.
func (a *App) maxInput() int64 {
	if a.MaxInputMiB <= 0 {
		return profile.MaxInputSize
	}
	return int64(a.MaxInputMiB) << 20
}

// readProfileInput reads a file, or stdin for "-", up to the input limit.
func readProfileInput(app *App, file string) ([]byte, error) {
	var (
		data []byte
		err  error
	)
	if file == "-" {
		data, err = profile.ReadInput("<stdin>", app.In, app.maxInput())
	} else {
		data, err = profile.ReadFile(file, app.maxInput())
	}
	var big *profile.SizeError
	if errors.As(err, &big) {
		return nil, fmt.Errorf("%w (raise it with --max-input-mib)", err)
	}
	return data, err
}

// loadProfiles reads and parses every profile in file ("-" is stdin).
func loadProfiles(app *App, file string) ([]*profile.Profile, error) {
	data, err := readProfileInput(app, file)
	if err != nil {
		return nil, err
	}
	return profile.ParseAll(inputName(file), data)
}

// loadProfile reads and parses the one profile file must hold.
func loadProfile(app *App, file string) (*profile.Profile, error) {
	data, err := readProfileInput(app, file)
	if err != nil {
		return nil, err
	}
	return profile.Parse(inputName(file), data)
}

func inputName(file string) string {
	if file == "-" {
		return "<stdin>"
	}
	return file
}

// printProfileError prints a loader error one problem a line, each with its location.
func printProfileError(w io.Writer, err error) {
	var list profile.ErrorList
	if errors.As(err, &list) {
		for _, e := range list {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err)
}
