// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-toggle-target]");
  if (!toggle) return;
  const target = document.querySelector(toggle.dataset.toggleTarget);
  if (!target) return;
  const open = target.classList.toggle("show");
  toggle.setAttribute("aria-expanded", String(open));
});
