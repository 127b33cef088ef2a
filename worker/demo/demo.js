// Harbor Home Lending demo: the payment calculator and the application's step navigation.
// Tracking is the snippet's job (nb.js); the calculator only reports a coarse loan bucket,
// never an amount, and nothing here sends form values anywhere.
(function () {
  'use strict';

  // ---------- Consent banner ----------
  // The demo's tag uses the default mode (data-nb-consent="opt-out"): everything is allowed until the
  // visitor refuses here. The choice goes to the snippet with nb('consent', …), which remembers it;
  // this banner only remembers that it was answered.
  var banner = document.getElementById('consent-banner');
  var settings = document.getElementById('consent-settings');
  function closeBanner(choice) {
    window.nb('consent', choice);
    try {
      localStorage.setItem('demo_consent_answered', '1');
    } catch (e) {
      // private mode: the banner asks again next time
    }
    banner.hidden = true;
  }
  function answered() {
    try {
      return localStorage.getItem('demo_consent_answered') === '1';
    } catch (e) {
      return false;
    }
  }
  if (banner) {
    banner.hidden = answered();
    banner.addEventListener('click', function (event) {
      var action = event.target.getAttribute && event.target.getAttribute('data-consent');
      if (action === 'accept') closeBanner({ analytics: true, personalization: true, ads: true });
      else if (action === 'refuse') closeBanner({ analytics: false, personalization: false, ads: false });
      else if (action === 'settings' && settings.hidden) {
        settings.hidden = false;
        event.target.setAttribute('aria-expanded', 'true');
        event.target.textContent = 'Save my choices';
      } else if (action === 'settings') {
        closeBanner({
          analytics: settings.analytics.checked,
          personalization: settings.personalization.checked,
          ads: settings.ads.checked,
        });
      }
    });
    document.addEventListener('click', function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute('data-consent-open')) banner.hidden = false;
    });
  }

  function money(n) {
    return '$' + Math.round(n).toLocaleString('en-US');
  }
  function parseAmount(text) {
    var n = Number(String(text).replace(/[^0-9.]/g, ''));
    return isFinite(n) ? n : NaN;
  }

  // Coarse loan buckets: 100k wide below 600k; above that the two bands rules/demo.json
  // segments jumbo shoppers on ('600-800k', '800k+').
  function loanBucket(loan) {
    if (loan >= 800000) return '800k+';
    if (loan >= 600000) return '600-800k';
    var low = Math.floor(loan / 100000) * 100;
    return low + '-' + (low + 100) + 'k';
  }

  // ---------- Calculator ----------
  var calc = document.getElementById('calculator');
  if (calc) {
    var out = function (id) {
      return document.getElementById(id);
    };
    var error = out('calc-error');

    var compute = function () {
      var price = parseAmount(calc.price.value);
      var down = parseAmount(calc.down.value || '0');
      var rate = parseAmount(calc.rate.value);
      var years = Number(calc.term.value);
      var problem = '';
      if (!(price > 0)) problem = 'Enter a home price greater than $0.';
      else if (!(down >= 0) || down >= price) problem = 'The down payment must be less than the home price.';
      else if (!(rate >= 0) || rate > 25) problem = 'Enter an interest rate between 0% and 25%.';
      calc.price.setAttribute('aria-invalid', String(!(price > 0)));
      calc.down.setAttribute('aria-invalid', String(price > 0 && !(down >= 0 && down < price)));
      calc.rate.setAttribute('aria-invalid', String(!(rate >= 0) || rate > 25));
      error.textContent = problem;
      error.hidden = !problem;
      if (problem) return null;

      var loan = price - down;
      var n = years * 12;
      var r = rate / 100 / 12;
      var payment = r ? (loan * r) / (1 - Math.pow(1 + r, -n)) : loan / n;
      var total = payment * n;
      var interest = total - loan;
      var pct = (down / price) * 100;

      out('payment').textContent = money(payment);
      out('loan-amount').textContent = 'Principal & interest on a ' + money(loan) + ' loan over ' + years + ' years';
      out('r-loan').textContent = money(loan);
      out('r-down').textContent = money(down) + ' (' + Math.round(pct * 10) / 10 + '%)';
      out('r-interest').textContent = money(interest);
      out('r-total').textContent = money(total);
      out('down-pct').textContent =
        Math.round(pct * 10) / 10 + '% of the home price' + (pct < 20 ? ' · under 20% down usually means PMI' : '');
      var share = total > 0 ? (loan / total) * 100 : 100;
      out('bar-principal').style.width = share + '%';
      out('bar-interest').style.width = 100 - share + '%';
      return loan;
    };

    // Tidy the amount fields (450000 -> 450,000) when the visitor leaves them.
    ['price', 'down'].forEach(function (name) {
      calc[name].addEventListener('blur', function () {
        var n = parseAmount(calc[name].value);
        if (calc[name].value && isFinite(n)) calc[name].value = Math.round(n).toLocaleString('en-US');
      });
    });

    calc.addEventListener('submit', function (event) {
      event.preventDefault();
      var loan = compute();
      if (loan == null) {
        var bad = calc.querySelector('[aria-invalid="true"]');
        if (bad) bad.focus();
        return;
      }
      if (window.nb) window.nb('track', 'calculator_used', { loan_bucket: loanBucket(loan) });
    });

    compute(); // show the example figures without tracking anything
  }

  // ---------- Application steps ----------
  var form = document.getElementById('application');
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll('[data-nb-step]'));
  var progress = Array.prototype.slice.call(document.querySelectorAll('#progress li'));
  var FIELDS = 'input, select, textarea';

  // ---------- Resume ----------
  // The answers are kept in this tab's sessionStorage as they are typed (never the SSN), with the
  // step reached, so that "Resume my application" (apply.html?resume=1) reopens where the visitor
  // left. They stay in the browser: nothing here sends them, and the snippet never reads values.
  var DRAFT = 'demo_application_draft';
  var PRIVATE = { ssn: true, consent: true };
  function readDraft() {
    try {
      return JSON.parse(sessionStorage.getItem(DRAFT)) || null;
    } catch (e) {
      return null;
    }
  }
  function saveDraft(step) {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && !PRIVATE[field.name] && field.type !== 'checkbox') values[field.name] = field.value;
    });
    var draft = readDraft();
    try {
      sessionStorage.setItem(
        DRAFT,
        JSON.stringify({ step: step === undefined ? (draft ? draft.step : 0) : step, values: values }),
      );
    } catch (e) {
      // storage blocked: resuming starts over
    }
  }

  function show(index) {
    saveDraft(index);
    steps.forEach(function (step, i) {
      step.hidden = i !== index;
    });
    progress.forEach(function (item, i) {
      item.classList.toggle('done', i < index);
      if (i === index) item.setAttribute('aria-current', 'step');
      else item.removeAttribute('aria-current');
    });
    if (index === steps.length - 1) fillReview();
    var first = steps[index].querySelector(FIELDS);
    if (first) first.focus();
    var top = form.getBoundingClientRect().top;
    if (top < 0) window.scrollBy(0, top - 100);
  }

  function errorFor(field) {
    var id = field.id + '-error';
    var el = document.getElementById(id);
    if (!el) {
      el = document.createElement('span');
      el.className = 'error-msg';
      el.id = id;
      el.hidden = true;
      var wrap = field.closest('.field') || field.parentNode;
      wrap.appendChild(el);
      var described = field.getAttribute('aria-describedby');
      field.setAttribute('aria-describedby', (described ? described + ' ' : '') + id);
    }
    return el;
  }

  function validate(step) {
    var firstBad = null;
    step.querySelectorAll(FIELDS).forEach(function (field) {
      if (field.type === 'checkbox') return;
      var ok = field.checkValidity() && (!field.required || field.value.trim() !== '');
      if (ok && field.name === 'ssn') ok = field.value.replace(/\D/g, '').length === 9;
      if (ok && (field.name === 'price' || field.name === 'income')) ok = parseAmount(field.value) > 0;
      var message = errorFor(field);
      field.setAttribute('aria-invalid', String(!ok));
      message.hidden = ok;
      if (!ok) {
        var label = form.querySelector('label[for="' + field.id + '"]');
        message.textContent = 'Please enter a valid ' + (label ? label.textContent.toLowerCase() : 'value') + '.';
        if (!firstBad) firstBad = field;
      }
    });
    if (firstBad) firstBad.focus();
    return !firstBad;
  }

  function fillReview() {
    var labels = {
      property_type: function (f) {
        return f.options[f.selectedIndex] ? f.options[f.selectedIndex].text : '';
      },
      employment: function (f) {
        return f.options[f.selectedIndex] ? f.options[f.selectedIndex].text : '';
      },
      price: function (f) {
        return f.value ? money(parseAmount(f.value)) : '';
      },
      income: function (f) {
        return f.value ? money(parseAmount(f.value)) : '';
      },
      ssn: function (f) {
        var d = f.value.replace(/\D/g, '');
        return d ? '•••-••-' + d.slice(-4) : '';
      },
    };
    form.querySelectorAll('[data-review]').forEach(function (dd) {
      var name = dd.getAttribute('data-review');
      var field = form.elements[name];
      if (!field) return;
      var value = labels[name] ? labels[name](field) : field.value.trim();
      dd.textContent = value || '—';
    });
  }

  steps.forEach(function (step, i) {
    var n = i + 1;
    var next = document.getElementById('next-' + n);
    var back = document.getElementById('back-' + n);
    if (next)
      next.addEventListener('click', function () {
        if (validate(step)) show(i + 1);
      });
    if (back)
      back.addEventListener('click', function () {
        show(i - 1);
      });
  });

  form.addEventListener('input', function () {
    saveDraft();
  });
  var draft = /[?&]resume=1(&|$)/.test(location.search) && readDraft();
  if (draft) {
    Object.keys(draft.values).forEach(function (name) {
      var field = form.elements[name];
      if (field && !PRIVATE[name]) field.value = draft.values[name];
    });
    if (draft.step > 0 && draft.step < steps.length) show(draft.step);
    var resumed = document.getElementById('resumed');
    if (resumed) resumed.hidden = false;
  } else saveDraft(0); // a fresh start replaces an older draft

  // Enter in a text field moves to the next step rather than submitting early.
  form.addEventListener('keydown', function (event) {
    if (event.key !== 'Enter' || event.target.tagName !== 'INPUT' || event.target.type === 'checkbox') return;
    var step = event.target.closest('[data-nb-step]');
    var next = step && step.querySelector('[id^="next-"]');
    if (next) {
      event.preventDefault();
      next.click();
    }
  });

  var consent = document.getElementById('consent');
  var consentError = document.getElementById('consent-error');
  consent.addEventListener('change', function () {
    if (consent.checked) {
      consentError.hidden = true;
      consent.removeAttribute('aria-invalid');
    }
  });

  // Without consent the submit button does nothing but explain, so no submit event happens
  // (pressing Enter submits through a synthetic click on this button, so it is covered too).
  document.getElementById('submit-app').addEventListener('click', function (event) {
    if (consent.checked) return;
    event.preventDefault();
    consentError.hidden = false;
    consent.setAttribute('aria-invalid', 'true');
    consent.setAttribute('aria-describedby', 'consent-error');
    consent.focus();
  });

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!consent.checked) return;
    form.hidden = true;
    try {
      sessionStorage.removeItem(DRAFT);
    } catch (e) {
      // nothing kept
    }
    progress.forEach(function (item) {
      item.classList.add('done');
      item.removeAttribute('aria-current');
    });
    var thanks = document.getElementById('thanks');
    thanks.hidden = false;
    thanks.focus();
  });
})();
