package regression_test

import (
	"encoding/json"
	"fmt"
	"log"
	"sort"
	"strings"

	"github.com/baeum-ml/baeum/regression"
)

// A simple linear regression from CSV text, with its coefficient table.
func ExampleFitLinear() {
	const data = `hours,score
1,52
2,55
3,61
4,64
5,70
6,71
7,78
8,80
`
	tab, err := regression.ReadCSV(strings.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	d, err := tab.Design(regression.Spec{Response: "score"})
	if err != nil {
		log.Fatal(err)
	}
	m, err := regression.FitLinear(d)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range m.Coefficients {
		fmt.Printf("%-5s %7.3f ± %.3f  (95%% CI %.2f to %.2f)\n", c.Name, c.Estimate, c.StdError, c.CILow, c.CIHigh)
	}
	fmt.Printf("R² = %.4f, s = %.3f on %d df\n", m.RSquared, m.Sigma, m.DFResid)
	// Output:
	// const  47.786 ± 0.962  (95% CI 45.43 to 50.14)
	// hours   4.131 ± 0.191  (95% CI 3.66 to 4.60)
	// R² = 0.9874, s = 1.235 on 6 df
}

// Predictions for new data, with a confidence interval for the mean
// response and a prediction interval for a new observation.
func ExampleOLS_Predict() {
	tab, _ := regression.ReadCSV(strings.NewReader("x,y\n1,2.1\n2,3.9\n3,6.2\n4,7.8\n5,10.1\n"))
	d, _ := tab.Design(regression.Spec{Response: "y"})
	m, _ := regression.FitLinear(d)
	newX, _ := regression.ReadCSV(strings.NewReader("x\n6\n"))
	x, err := d.Encode(newX)
	if err != nil {
		log.Fatal(err)
	}
	p, _ := m.Predict(x, 0.95)
	fmt.Printf("fit %.2f, mean in [%.2f, %.2f], new y in [%.2f, %.2f]\n", p[0].Fit, p[0].CILow, p[0].CIHigh, p[0].PILow, p[0].PIHigh)
	// Output:
	// fit 11.99, mean in [11.36, 12.62], new y in [11.12, 12.86]
}

// Logistic regression on the Spector & Mazzeo data: does a new teaching
// method (PSI) improve grades, allowing for GPA and a pre-test (TUCE)?
func ExampleFitLogistic() {
	tab, err := regression.ReadCSVFile("testdata/spector.csv")
	if err != nil {
		log.Fatal(err)
	}
	d, err := tab.Design(regression.Spec{Response: "GRADE", Predictors: []string{"GPA", "TUCE", "PSI"}})
	if err != nil {
		log.Fatal(err)
	}
	m, err := regression.FitLogistic(d, nil)
	if err != nil {
		log.Fatal(err)
	}
	for j, c := range m.Coefficients {
		fmt.Printf("%-5s β = %7.3f (SE %.3f, p = %.3f), odds ratio %.3g\n", c.Name, c.Estimate, c.StdError, c.PValue, m.OddsRatios[j].Estimate)
	}
	fmt.Printf("deviance %.3f (null %.3f), pseudo-R² %.3f, %d iterations\n", m.Deviance, m.NullDeviance, m.PseudoRSquared, m.Iterations)
	// Output:
	// const β = -13.021 (SE 4.931, p = 0.008), odds ratio 2.21e-06
	// GPA   β =   2.826 (SE 1.263, p = 0.025), odds ratio 16.9
	// TUCE  β =   0.095 (SE 0.142, p = 0.501), odds ratio 1.1
	// PSI   β =   2.379 (SE 1.065, p = 0.025), odds ratio 10.8
	// deviance 25.779 (null 41.183), pseudo-R² 0.374, 7 iterations
}

// Separation is reported as an error that names the predictor.
func ExampleSeparationError() {
	tab, _ := regression.ReadCSV(strings.NewReader("passed,hours\n0,1\n0,2\n0,3\n1,4\n1,5\n1,6\n"))
	d, _ := tab.Design(regression.Spec{Response: "passed"})
	_, err := regression.FitLogistic(d, nil)
	fmt.Println(err)
	// Output:
	// complete separation: predictor "hours" predicts "passed" perfectly (every observation with hours ≤ 3 has passed = 0 and every one with hours ≥ 4 has passed = 1) for 6 of 6 observations; the maximum-likelihood estimates do not exist (coefficients would run to infinity). Drop or merge the predictor, or its sparse levels
}

// Multinomial (softmax) regression of party identification on ideology.
func ExampleFitMultinomial() {
	tab, err := regression.ReadCSVFile("testdata/anes96.csv")
	if err != nil {
		log.Fatal(err)
	}
	d, err := tab.Design(regression.Spec{Response: "PID", Predictors: []string{"selfLR"}, CategoricalResponse: true})
	if err != nil {
		log.Fatal(err)
	}
	m, err := regression.FitMultinomial(d, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d classes, reference %q; log-likelihood %.2f, AIC %.2f\n", m.K, m.Classes[0], m.LogLikelihood, m.AIC)
	for k, cs := range m.Coefficients {
		fmt.Printf("PID %s vs 0: selfLR %.3f (SE %.3f)\n", m.Classes[k+1], cs[1].Estimate, cs[1].StdError)
	}
	// Output:
	// 7 classes, reference "0"; log-likelihood -1516.36, AIC 3056.71
	// PID 1 vs 0: selfLR 0.197 (SE 0.086)
	// PID 2 vs 0: selfLR 0.244 (SE 0.100)
	// PID 3 vs 0: selfLR 0.495 (SE 0.150)
	// PID 4 vs 0: selfLR 1.154 (SE 0.123)
	// PID 5 vs 0: selfLR 1.217 (SE 0.111)
	// PID 6 vs 0: selfLR 1.902 (SE 0.134)
}

// A model's Report encodes to JSON: one object with the fit statistics and
// a list of coefficients.
func ExampleOLS_Report() {
	tab, _ := regression.ReadCSV(strings.NewReader("x,y\n1,1\n2,3\n3,2\n4,5\n5,4\n"))
	d, _ := tab.Design(regression.Spec{Response: "y"})
	m, _ := regression.FitLinear(d)
	b, err := json.Marshal(m.Report())
	if err != nil {
		log.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		log.Fatal(err)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println(strings.Join(keys, " "))
	slope := obj["coefficients"].([]any)[1].(map[string]any)
	fmt.Printf("%s: estimate %.2f, p-value %.4f\n", slope["name"], slope["estimate"], slope["p_value"])
	// Output:
	// adj_r_squared aic bic coefficients df_model df_resid durbin_watson f_p_value f_statistic log_likelihood model n r_squared residual_std_error response
	// x: estimate 0.80, p-value 0.1041
}

// ROC curve and AUC of scores against 0/1 outcomes.
func ExampleROC() {
	pts, auc, err := regression.ROC([]float64{0, 0, 1, 1}, []float64{0.1, 0.4, 0.35, 0.8})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range pts {
		fmt.Printf("threshold %v: FPR %.1f, TPR %.1f\n", p.Threshold, p.FPR, p.TPR)
	}
	fmt.Printf("AUC %.2f\n", auc)
	// Output:
	// threshold +Inf: FPR 0.0, TPR 0.0
	// threshold 0.8: FPR 0.0, TPR 0.5
	// threshold 0.4: FPR 0.5, TPR 0.5
	// threshold 0.35: FPR 0.5, TPR 1.0
	// threshold 0.1: FPR 1.0, TPR 1.0
	// AUC 0.75
}
