// The article editor: turns each <textarea data-rich-text> into a Quill editor (vendored,
// served from our own static files) and copies its HTML back into the textarea when the form
// is sent. Without JavaScript the textarea still works. The server sanitises either way.
(function () {
  "use strict";
  function start() {
    if (!window.Quill) return;
    var areas = document.querySelectorAll("textarea[data-rich-text]");
    Array.prototype.forEach.call(areas, function (area) {
      var holder = document.createElement("div");
      holder.className = "rich-editor";
      area.parentNode.insertBefore(holder, area.nextSibling);
      area.hidden = true;
      var quill = new window.Quill(holder, {
        theme: "snow",
        modules: {
          toolbar: [
            [{ header: [2, 3, false] }],
            ["bold", "italic", "underline", "strike"],
            [{ list: "ordered" }, { list: "bullet" }, { indent: "-1" }, { indent: "+1" }],
            [{ align: [] }],
            ["blockquote", "link"],
            ["clean"]
          ]
        },
        formats: ["header", "bold", "italic", "underline", "strike", "list", "indent", "align", "blockquote", "link"],
        placeholder: "在这里输入正文…"
      });
      if (area.value) quill.clipboard.dangerouslyPasteHTML(area.value);
      var label = document.querySelector('label[for="' + area.id + '"]');
      if (label) quill.root.setAttribute("aria-label", label.textContent);
      area.form.addEventListener("submit", function () {
        area.value = quill.getLength() > 1 ? quill.getSemanticHTML().replace(/&nbsp;/g, " ") : "";
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
