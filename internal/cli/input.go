package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/seccompctl/seccompctl/profile"
)

// defaultMaxInputMiB bounds what one input file may hold. The largest real profiles
// are tens of kilobytes; without a bound `lint /dev/zero` reads until memory runs out.
const defaultMaxInputMiB = 16

// maxInput is the input limit in bytes (--max-input-mib).
func (a *App) maxInput() int64 {
	if a.MaxInputMiB <= 0 {
		return defaultMaxInputMiB << 20
	}
	return int64(a.MaxInputMiB) << 20
}

// readProfileInput reads a file, or stdin for "-", up to the input limit.
func readProfileInput(app *App, file string) ([]byte, error) {
	if file == "-" {
		return readLimited(app, "<stdin>", app.In)
	}
	f, err := os.Open(file)
	if err != nil {
		// os errors already name the file.
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, not a profile", file)
	}
	return readLimited(app, file, f)
}

func readLimited(app *App, name string, r io.Reader) ([]byte, error) {
	limit := app.maxInput()
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than the input limit of %d MiB (raise it with --max-input-mib)", name, limit>>20)
	}
	return data, nil
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
