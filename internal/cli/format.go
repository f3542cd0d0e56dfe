package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"
)

// formatFlag adds --format with the given choices (the first is the default).
func formatFlag(cmd *cobra.Command, dst *string, choices ...string) {
	*dst = choices[0]
	cmd.Flags().StringVar(dst, "format", choices[0], fmt.Sprintf("output format: %v", choices))
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(choices, cobra.ShellCompDirectiveNoFileComp))
}

// checkFormat validates a --format value.
func checkFormat(v string, choices ...string) error {
	if !slices.Contains(choices, v) {
		return UsageError(fmt.Errorf("unknown --format %q (want one of %v)", v, choices))
	}
	return nil
}

// writeJSON writes v as indented JSON with a trailing newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
