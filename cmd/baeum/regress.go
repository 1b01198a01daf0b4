package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/baeum-ml/baeum/regression"
)

// regressOptions are the flags shared by the regress subcommands.
type regressOptions struct {
	csv         string
	y           string
	x           []string
	categorical []string
	noIntercept bool
	json        bool
	predict     string
	maxIter     int
}

// newRegressCmd returns the "regress" command: linear, logistic and
// multinomial regression on a CSV file, with R-style summaries or JSON.
func newRegressCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "regress",
		Short: "Fit linear, logistic or multinomial regression models to CSV data",
		Long: `Fit a regression model to a CSV file with a header row and print a summary
like R's summary(): coefficients with standard errors, tests and 95% confidence
intervals, and the model's fit statistics. --json prints one JSON object instead.

The response is named with --y; the predictors are the columns named with --x,
or every other column. Columns named with --categorical are coded as dummy
(treatment) variables against their first level. The intercept is called
"const"; --no-intercept leaves it out. A missing or non-numeric cell in a
numeric column is an error naming its row, column and value.`,
	}
	cmd.AddCommand(newRegressLinearCmd(), newRegressLogisticCmd(), newRegressMultinomialCmd())
	requireSubcommand(cmd, "regression")
	return cmd
}

// addRegressFlags registers the shared flags.
func addRegressFlags(cmd *cobra.Command, o *regressOptions) {
	f := cmd.Flags()
	f.StringVar(&o.csv, "csv", "", "CSV file with a header row (required)")
	f.StringVar(&o.y, "y", "", "name of the response column (required)")
	f.StringSliceVar(&o.x, "x", nil, "predictor columns, comma-separated (default: every column but the response)")
	f.StringSliceVar(&o.categorical, "categorical", nil, "predictors to code as categories (dummy variables), comma-separated")
	f.BoolVar(&o.noIntercept, "no-intercept", false, "fit without an intercept")
	f.BoolVar(&o.json, "json", false, "print the results as one JSON object")
	_ = cmd.MarkFlagRequired("csv")
	_ = cmd.MarkFlagRequired("y")
}

// design reads the CSV file, stopping if ctx is cancelled, and builds the
// model matrix.
func (o *regressOptions) design(ctx context.Context, categoricalResponse bool) (*regression.Design, error) {
	tab, err := regression.ReadCSVFileContext(ctx, o.csv)
	if err != nil {
		return nil, err
	}
	return tab.Design(regression.Spec{
		Response:            strings.TrimSpace(o.y),
		Predictors:          trimAll(o.x),
		Categorical:         trimAll(o.categorical),
		NoIntercept:         o.noIntercept,
		CategoricalResponse: categoricalResponse,
	})
}

// trimAll trims spaces around each name, so that "--x 'a, b'" works.
func trimAll(names []string) []string {
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func newRegressLinearCmd() *cobra.Command {
	o := &regressOptions{}
	cmd := &cobra.Command{
		Use:   "linear --csv FILE --y COLUMN [--x A,B,...]",
		Short: "Ordinary least squares with t tests, R², F test, AIC/BIC and Durbin-Watson",
		Example: `  baeum regress linear --csv data.csv --y price --x area,rooms --categorical district
  baeum regress linear --csv data.csv --y price --json
  baeum regress linear --csv data.csv --y price --predict new.csv`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := o.design(cmd.Context(), false)
			if err != nil {
				return err
			}
			m, err := regression.FitLinear(d)
			if err != nil {
				return err
			}
			rep := m.Report()
			var preds []regression.Prediction
			if o.predict != "" {
				nt, err := regression.ReadCSVFileContext(cmd.Context(), o.predict)
				if err != nil {
					return err
				}
				x, err := d.Encode(nt)
				if err != nil {
					return err
				}
				if preds, err = m.Predict(x, 0.95); err != nil {
					return err
				}
				rep.Predictions = regression.ReportPredictions(preds)
			}
			out := cmd.OutOrStdout()
			if o.json {
				return writeJSON(out, rep)
			}
			fmt.Fprint(out, m.Summary())
			if preds != nil {
				fmt.Fprintf(out, "\nPredictions for %s (95%% intervals):\n%s", o.predict, regression.FormatPredictions(preds))
			}
			return nil
		},
	}
	addRegressFlags(cmd, o)
	cmd.Flags().StringVar(&o.predict, "predict", "", "CSV file of new predictor values to predict, with confidence and prediction intervals")
	return cmd
}

func newRegressLogisticCmd() *cobra.Command {
	o := &regressOptions{}
	cmd := &cobra.Command{
		Use:   "logistic --csv FILE --y COLUMN [--x A,B,...]",
		Short: "Binary logistic regression by maximum likelihood, with odds ratios",
		Long: `Binary logistic regression of a 0/1 response by maximum likelihood
(Newton-Raphson / IRLS): coefficients on the log-odds scale with standard errors
from the inverse Fisher information, Wald z tests, 95% intervals and odds ratios;
log-likelihood, null and residual deviance, McFadden's pseudo R², AIC and BIC.

If a predictor (or a combination of predictors) separates the outcomes
perfectly, the maximum-likelihood estimates do not exist; the command then
fails with a message that names the predictor instead of printing meaningless
huge coefficients.`,
		Example: `  baeum regress logistic --csv spector.csv --y GRADE --x GPA,TUCE,PSI
  baeum regress logistic --csv fair.csv --y affair --x rate_marriage,age,occupation --categorical occupation --json`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := o.design(cmd.Context(), false)
			if err != nil {
				return err
			}
			m, err := regression.FitLogistic(d, &regression.LogisticOptions{MaxIter: o.maxIter})
			if err != nil {
				return err
			}
			if !m.Converged {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the iteration did not converge in %d steps; the estimates are unreliable\n", m.Iterations)
			}
			if o.json {
				return writeJSON(cmd.OutOrStdout(), m.Report())
			}
			fmt.Fprint(cmd.OutOrStdout(), m.Summary())
			return nil
		},
	}
	addRegressFlags(cmd, o)
	cmd.Flags().IntVar(&o.maxIter, "max-iter", 100, "maximum number of Newton iterations")
	return cmd
}

func newRegressMultinomialCmd() *cobra.Command {
	o := &regressOptions{}
	cmd := &cobra.Command{
		Use:   "multinomial --csv FILE --y COLUMN [--x A,B,...]",
		Short: "Multinomial (softmax) logistic regression of a categorical response",
		Long: `Multinomial logistic (softmax) regression by maximum likelihood. The response
column's values are class labels; the first (in numeric order if they are all
numbers) is the reference class, and each other class gets its own coefficients:
the log-odds of that class against the reference.`,
		Example:      `  baeum regress multinomial --csv anes96.csv --y PID --x logpopul,selfLR,age,educ,income`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := o.design(cmd.Context(), true)
			if err != nil {
				return err
			}
			m, err := regression.FitMultinomial(d, &regression.LogisticOptions{MaxIter: o.maxIter})
			if err != nil {
				return err
			}
			if !m.Converged {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the iteration did not converge in %d steps; the estimates are unreliable\n", m.Iterations)
			}
			if o.json {
				return writeJSON(cmd.OutOrStdout(), m.Report())
			}
			fmt.Fprint(cmd.OutOrStdout(), m.Summary())
			return nil
		},
	}
	addRegressFlags(cmd, o)
	cmd.Flags().IntVar(&o.maxIter, "max-iter", 100, "maximum number of Newton iterations")
	return cmd
}
