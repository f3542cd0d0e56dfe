package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/seccompctl/seccompctl/profile"
)

// stdout remembers the first error writing the command's output. Verbs write reports
// with fmt.Fprint and friends, which return errors nobody checks; Main turns a failed
// write (a full disk, /dev/full, a closed terminal) into exit 2 instead of reporting
// success for output that was lost.
type stdout struct {
	w   io.Writer
	err error
}

func (s *stdout) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	n, err := s.w.Write(p)
	if err != nil {
		s.err = err
	}
	return n, err
}

// commandOut is the writer a child command gets as its stdout: the real stream, so that
// a file or terminal is passed on as such rather than through a pipe seccompctl copies.
func (a *App) commandOut() io.Writer {
	if s, ok := a.Out.(*stdout); ok {
		return s.w
	}
	return a.Out
}

// writeOutput writes data to the file named by out (atomically, see profile.WriteFileAtomic),
// or to stdout when out is "" or "-".
func writeOutput(app *App, out string, data []byte) error {
	if out == "" || out == "-" {
		_, err := app.Out.Write(data)
		return err
	}
	return profile.WriteFileAtomic(out, data, 0o644)
}

// checkOutputPath fails early when a file named by -o cannot be written later: a
// directory, or a missing parent directory. Verbs that run for long (record) check
// before they start, so a recording is not lost at the end.
func checkOutputPath(flag, out string) error {
	if out == "" || out == "-" {
		return nil
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return UsageError(fmt.Errorf("%s %s: is a directory: name the file to write", flag, out))
	}
	dir := filepath.Dir(out)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return UsageError(fmt.Errorf("%s %s: directory %s: %w", flag, out, dir, err))
	case !fi.IsDir():
		return UsageError(fmt.Errorf("%s %s: %s is not a directory", flag, out, dir))
	}
	return nil
}
