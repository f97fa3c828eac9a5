// miwake serve: the little the page needs beyond HTML — drag-and-drop of a file onto the
// check form, a size check before uploading, and copy buttons for replies.
// No message content is ever inserted as HTML here: only textContent and form values.
'use strict';

(function () {
  function setupDrop() {
    var form = document.getElementById('check-form');
    var zone = document.getElementById('drop-zone');
    var input = document.getElementById('file');
    var problem = document.getElementById('file-problem');
    if (!form || !zone || !input) {
      return;
    }
    var maxBytes = parseInt(input.getAttribute('data-max-bytes') || '0', 10);

    function tooLarge(file) {
      return maxBytes > 0 && file.size > maxBytes;
    }
    function showProblem(text) {
      if (problem) {
        problem.textContent = text;
        problem.hidden = false;
      }
    }
    function submitWith(files) {
      if (!files || files.length === 0) {
        return;
      }
      if (tooLarge(files[0])) {
        showProblem(input.getAttribute('data-too-large') || '');
        return;
      }
      input.files = files;
      if (typeof form.requestSubmit === 'function') {
        form.requestSubmit();
      } else {
        form.submit();
      }
    }

    input.addEventListener('change', function () {
      if (input.files && input.files.length > 0 && tooLarge(input.files[0])) {
        showProblem(input.getAttribute('data-too-large') || '');
        input.value = '';
      }
    });
    ['dragenter', 'dragover'].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        zone.classList.add('dragging');
      });
    });
    ['dragleave', 'drop'].forEach(function (type) {
      zone.addEventListener(type, function () {
        zone.classList.remove('dragging');
      });
    });
    // Anywhere on the page: a dropped file is checked, never opened by the browser.
    document.addEventListener('dragover', function (event) {
      event.preventDefault();
    });
    document.addEventListener('drop', function (event) {
      event.preventDefault();
      if (event.dataTransfer) {
        submitWith(event.dataTransfer.files);
      }
    });
  }

  function setupCopy() {
    var buttons = document.querySelectorAll('button[data-copy]');
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener('click', function () {
        var target = document.getElementById(button.getAttribute('data-copy'));
        var status = document.getElementById(button.getAttribute('data-status'));
        if (!target) {
          return;
        }
        function report(ok) {
          if (status) {
            status.textContent = button.getAttribute(ok ? 'data-done' : 'data-failed') || '';
          }
        }
        function fallback() {
          target.focus();
          target.select();
          var ok = false;
          try {
            ok = document.execCommand('copy');
          } catch (e) {
            ok = false;
          }
          report(ok);
        }
        if (navigator.clipboard && typeof navigator.clipboard.writeText === 'function') {
          navigator.clipboard.writeText(target.value).then(function () {
            report(true);
          }, fallback);
        } else {
          fallback();
        }
      });
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    setupDrop();
    setupCopy();
  });
})();
