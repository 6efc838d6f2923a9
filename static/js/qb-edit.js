// Live phone preview of the question being edited: what a member sees (no answer marked), and
// separately the answer and explanation for the organizer. Text is set with textContent only.
const form = document.getElementById("qb-edit-form");
const labels = JSON.parse(document.getElementById("qb-labels").textContent);
const BLANK = /_{2,}|[（(][\s\u3000]*[)）]/g;
const LETTERS = "ABCDEFGH";

function value(name) {
  const field = form.elements.namedItem(name);
  return field ? field.value.trim() : "";
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function choice(letter, text) {
  const node = el("div", "qb-choice");
  if (letter) node.append(el("span", "qb-letter", letter));
  node.append(el("span", "", text));
  return node;
}

function render() {
  const type = value("type");
  const stem = value("stem");
  document.getElementById("pv-type").textContent = labels[type] || type;
  const stemNode = document.getElementById("pv-stem");
  const parts = type === "fill" ? stem.split(BLANK) : [stem];
  stemNode.replaceChildren();
  parts.forEach((part, i) => {
    stemNode.append(document.createTextNode(part));
    if (i < parts.length - 1) stemNode.append(el("span", "qb-blank", `（${i + 1}）`));
  });
  const choices = document.getElementById("pv-choices");
  choices.replaceChildren();
  if (type === "single" || type === "multiple") {
    for (const letter of LETTERS) {
      const text = value(`option_${letter}`);
      if (text) choices.append(choice(letter, text));
    }
  } else if (type === "judge") {
    choices.append(choice("", labels.true), choice("", labels.false));
  } else {
    const blanks = Math.max(parts.length - 1, 1);
    for (let i = 1; i <= blanks; i += 1) choices.append(el("div", "qb-blank-input", labels.blank.replace("{n}", i)));
  }
  document.getElementById("qb-options").hidden = !(type === "single" || type === "multiple");
  document.getElementById("pv-answer").textContent = value("answer");
  document.getElementById("pv-explanation").textContent = value("explanation");
}

form.addEventListener("input", render);
form.addEventListener("change", render);
render();
