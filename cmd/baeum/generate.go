package main

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/models"
)

func newGenerateCmd() *cobra.Command {
	var model, prefix string
	var o models.GenerateOptions
	cmd := &cobra.Command{
		Use:   "generate --model CHECKPOINT",
		Short: "Sample new words from a character language model",
		Long: `Sample words from a character language model trained with
baeum train --data words:FILE, one a line. Each word starts from the
boundary that opens every training line (and --prefix, if given) and takes one
character after another from the model's distribution of the next character,
its logits divided by --temperature, until the model ends the word or it
reaches --max-len characters. Below 1 the temperature favours the likelier
characters (words more like the training lines); above 1 it flattens the
distribution (stranger words). The same --seed and options give the same
words; without --seed every run draws new ones.

  baeum train --data words:/usr/share/dict/words     # runs/charlm.safetensors
  baeum generate --n 10 --temperature 0.8
  baeum generate --prefix un --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case o.N < 1 || o.N > models.MaxGenerate:
				return fmt.Errorf("--n %d: want 1 to %d words", o.N, models.MaxGenerate)
			case !(o.Temperature > 0 && o.Temperature <= models.MaxTemperature):
				return fmt.Errorf("--temperature %v: want a number above 0 and at most %d", o.Temperature, models.MaxTemperature)
			case o.MaxLen < 1 || o.MaxLen > models.MaxGenerateLen:
				return fmt.Errorf("--max-len %d: want 1 to %d characters", o.MaxLen, models.MaxGenerateLen)
			case !utf8.ValidString(prefix):
				return fmt.Errorf("--prefix is not valid UTF-8")
			case utf8.RuneCountInString(prefix) >= o.MaxLen:
				return fmt.Errorf("--prefix of %d characters leaves no room in words of at most --max-len %d", utf8.RuneCountInString(prefix), o.MaxLen)
			}
			if !cmd.Flags().Changed("seed") {
				var b [8]byte
				cryptorand.Read(b[:])
				o.Seed = binary.LittleEndian.Uint64(b[:])
			}
			o.Prefix = prefix
			m, _, err := loadModelFlag(model, nil)
			if err != nil {
				return err
			}
			if m.Text() == nil {
				return fmt.Errorf("--model %s is not a text model (it is %v): generate samples words from a character language model (baeum train --data words:FILE --model %s)", model, m, models.CharLMName)
			}
			words, err := models.Generate(cmd.Context(), m, o)
			var oe *models.OptionError
			if errors.As(err, &oe) {
				return fmt.Errorf("--%s %s", strings.ReplaceAll(oe.Option, "_", "-"), oe.Msg)
			}
			if err != nil {
				return fmt.Errorf("--model %s: %w", model, err)
			}
			out := cmd.OutOrStdout()
			for _, w := range words {
				fmt.Fprintln(out, w)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", models.CharLMName, "checkpoint of a character language model, or charlm for runs/charlm.safetensors")
	f.IntVar(&o.N, "n", 20, fmt.Sprintf("how many words (1 to %d)", models.MaxGenerate))
	f.Float64Var(&o.Temperature, "temperature", 0.8, fmt.Sprintf("divides the logits before sampling: above 0, at most %d", models.MaxTemperature))
	f.IntVar(&o.MaxLen, "max-len", 64, fmt.Sprintf("the most characters of a word, the prefix included (1 to %d)", models.MaxGenerateLen))
	f.StringVar(&prefix, "prefix", "", "characters every word starts with (each in the model's vocabulary)")
	f.Uint64Var(&o.Seed, "seed", 0, "random seed: the same seed and options give the same words (default: a new one each run)")
	return cmd
}
