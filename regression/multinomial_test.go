package regression

import (
	"errors"
	"strings"
	"testing"
)

// TestMultinomialTwoClasses checks that with two classes the multinomial
// model is the binary logistic model.
func TestMultinomialTwoClasses(t *testing.T) {
	f, tab := loadFixture(t, "spector_logit")
	spec := f.spec()
	d, err := tab.Design(spec)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := FitLogistic(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec.CategoricalResponse = true
	dm, err := tab.Design(spec)
	if err != nil {
		t.Fatal(err)
	}
	mn, err := FitMultinomial(dm, nil)
	if err != nil {
		t.Fatal(err)
	}
	if mn.K != 2 || len(mn.Coefficients) != 1 {
		t.Fatalf("K = %d", mn.K)
	}
	for j, c := range mn.Coefficients[0] {
		b := bin.Coefficients[j]
		if relErr(c.Estimate, b.Estimate) > 1e-10 || relErr(c.StdError, b.StdError) > 1e-10 {
			t.Errorf("%s: multinomial %v (%v), binary %v (%v)", c.Name, c.Estimate, c.StdError, b.Estimate, b.StdError)
		}
	}
	if relErr(mn.LogLikelihood, bin.LogLikelihood) > 1e-12 || relErr(mn.AIC, bin.AIC) > 1e-12 {
		t.Errorf("log-likelihood %v vs %v", mn.LogLikelihood, bin.LogLikelihood)
	}
	// Numeric class values without Classes work too.
	d.Classes = nil
	if _, err := FitMultinomial(d, nil); err != nil {
		t.Error(err)
	}
	p, err := mn.PredictProb(dm.X)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if relErr(p.At(i, 1), bin.Fitted[i]) > 1e-10 {
			t.Errorf("row %d: P(1) = %v, binary %v", i, p.At(i, 1), bin.Fitted[i])
		}
	}
}

func TestMultinomialSeparation(t *testing.T) {
	// Class "c" occurs exactly when x > 6.
	d, err := tableFrom(t, "y,x,z\na,1,2\nb,2,1\na,3,5\nb,4,2\na,5,3\nb,6,1\nc,7,4\nc,8,2\nc,9,6\na,2,2\nb,5,4\n").
		Design(Spec{Response: "y", CategoricalResponse: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = FitMultinomial(d, nil)
	var se *SeparationError
	if !errors.As(err, &se) {
		t.Fatalf("error %v, want a *SeparationError", err)
	}
	if !strings.Contains(err.Error(), `"x"`) || !strings.Contains(err.Error(), "separation") {
		t.Errorf("message %q", err)
	}
}

func TestMultinomialErrors(t *testing.T) {
	d, _ := tableFrom(t, "y,x\na,1\na,2\na,3\n").Design(Spec{Response: "y", CategoricalResponse: true})
	if _, err := FitMultinomial(d, nil); err == nil || !strings.Contains(err.Error(), "at least two classes") {
		t.Errorf("error %v", err)
	}
	d, _ = tableFrom(t, "y,x\na,1\nb,2\nc,3\n").Design(Spec{Response: "y", CategoricalResponse: true})
	if _, err := FitMultinomial(d, nil); err == nil || !strings.Contains(err.Error(), "too few observations") {
		t.Errorf("error %v", err)
	}
}
