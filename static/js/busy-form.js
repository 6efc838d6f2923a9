// A form marked data-busy shows its message and disables its buttons once submitted: a long request
// (a bulk import hashing hundreds of passwords) is neither left unexplained nor submitted twice.
for (const form of document.querySelectorAll("form[data-busy]")) {
  form.addEventListener("submit", () => {
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    const note = document.createElement("p");
    note.className = "muted";
    note.setAttribute("role", "status");
    note.dataset.testid = "busy-note";
    note.textContent = form.dataset.busy;
    form.append(note);
  });
}
