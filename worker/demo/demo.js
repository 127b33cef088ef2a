// The demo site's own behaviour: the payment calculator and the application's step navigation.
// Tracking is the snippet's job; the calculator only reports a coarse loan bucket, never amounts.
(function () {
  // The buckets the demo rules segment on (rules/demo.json): coarse enough to say nothing personal.
  var BUCKETS = [[200000, '0-200k'], [300000, '200-300k'], [400000, '300-400k'], [600000, '400-600k'], [800000, '600-800k']];
  function loanBucket(loan) {
    for (var i = 0; i < BUCKETS.length; i++) if (loan < BUCKETS[i][0]) return BUCKETS[i][1];
    return '800k+';
  }

  var calculator = document.getElementById('calculator');
  if (calculator) {
    calculator.addEventListener('submit', function (event) {
      event.preventDefault();
      var price = Number(calculator.price.value);
      var loan = Math.max(price - Number(calculator.down.value), 0);
      var monthlyRate = Number(calculator.rate.value) / 100 / 12;
      var payments = Number(calculator.term.value) * 12;
      var payment = monthlyRate ? (loan * monthlyRate) / (1 - Math.pow(1 + monthlyRate, -payments)) : loan / payments;
      document.getElementById('payment').textContent = '$' + Math.round(payment).toLocaleString('en-US');
      document.getElementById('loan-amount').textContent = 'for a loan of $' + loan.toLocaleString('en-US');
      document.getElementById('result').hidden = false;
      if (window.nb) nb('track', 'calculator_used', { loan_bucket: loanBucket(loan) });
    });
  }

  var form = document.getElementById('application');
  if (!form) return;
  var steps = form.querySelectorAll('[data-nb-step]');
  var progress = document.querySelectorAll('#progress li');
  function show(index) {
    steps.forEach(function (step, i) {
      step.hidden = i !== index;
    });
    progress.forEach(function (item, i) {
      item.classList.toggle('done', i < index);
      if (i === index) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    });
    var first = steps[index].querySelector('input, select');
    if (first) first.focus();
  }
  for (var i = 1; i <= 4; i++) {
    (function (n) {
      var next = document.getElementById('next-' + n);
      var back = document.getElementById('back-' + n);
      if (next) next.addEventListener('click', function () { show(n); });
      if (back) back.addEventListener('click', function () { show(n - 2); });
    })(i);
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    form.hidden = true;
    document.getElementById('progress').hidden = true;
    var thanks = document.getElementById('thanks');
    thanks.hidden = false;
    thanks.focus();
  });
})();
