// The optimizer run page: poll the run's progress every two seconds and update the bar.
(() => {
  const box = document.getElementById("progress");
  if (!box) return;
  const bar = document.getElementById("progress-bar");
  const field = (name) => box.querySelector(`[data-field="${name}"]`);
  const money = (value) => (value ? `$${value}` : "—");

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      bar.value = data.percent;
      bar.textContent = `${data.percent}%`;
      field("phase").textContent = data.phase;
      field("elapsed_s").textContent = data.elapsed_s;
      field("best_cost").textContent = money(data.best_cost);
      field("bound").textContent = money(data.bound);
      if (data.finished) {
        window.location.reload();
        return;
      }
    } catch (error) {
      field("phase").textContent = "waiting for the server…";
    }
    window.setTimeout(poll, 2000);
  }

  window.setTimeout(poll, 1000);
})();
