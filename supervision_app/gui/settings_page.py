"""Settings: the text size and the reminders, kept per person in the profile, and (for a
manager) their team's supervision policy."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..domain.supervision_policy import SupervisionPolicy
from ..store import queries, supervision_records as sr
from ..store.models import ProfileSetting
from .accessibility import TEXT_SCALES, announce, apply_text_scale
from .page_forms import SettingsPageForm
from .pages import Page
from .tasks import user_message


def text_scale_key(staff_id: str) -> str:
    return f"text_scale:{staff_id}"


def load_text_scale(session, staff_id: str) -> int:
    row = session.get(ProfileSetting, text_scale_key(staff_id))
    try:
        return max(0, min(len(TEXT_SCALES) - 1, int(row.value))) if row else 0
    except ValueError:
        return 0


def save_text_scale(session, staff_id: str, index: int) -> None:
    row = session.get(ProfileSetting, text_scale_key(staff_id))
    if row is None:
        session.add(ProfileSetting(key=text_scale_key(staff_id), value=str(index)))
    else:
        row.value = str(index)


class SettingsPage(Page):
    title = "Settings"
    form_name = "settings_page.ui"
    form_class = SettingsPageForm
    form: SettingsPageForm

    def setup(self) -> None:
        f = self.form
        self._loading = False
        self._policy_saved_note = ("", "")  # (team id, what was said when its policy was saved)
        self.policies: list[queries.TeamPolicyRow] = []
        f.textSizeCombo.currentIndexChanged.connect(self.text_size_changed)
        f.policyTeamCombo.currentIndexChanged.connect(self._team_chosen)
        f.savePolicyButton.clicked.connect(self.save_policy)
        self._add_reminder_switches()
        self._add_duration_spin()
        from .group_dialogs import add_group_policy_check

        self.groupCountsCheck = add_group_policy_check(self)  # issue 21

    def _add_duration_spin(self) -> None:
        """The team's standard session length (issue 21): shorter sessions are flagged on
        compliance. Placed after "Show as due within", before the ASYE schedule."""
        from PySide6.QtWidgets import QLabel, QSpinBox

        f = self.form
        spin = QSpinBox(f.policyGroup)
        spin.setObjectName("durationSpin")
        spin.setRange(15, 600)
        spin.setSingleStep(15)
        spin.setSuffix(" minutes")
        spin.setValue(90)
        spin.setAccessibleName("Standard supervision session length in minutes")
        label = QLabel("Standard session &length", f.policyGroup)
        label.setBuddy(spin)
        f.policyForm.insertRow(3, label, spin)
        QWidget.setTabOrder(f.dueSoonSpin, spin)
        QWidget.setTabOrder(spin, f.savePolicyButton)
        self.durationSpin = spin

    def _add_reminder_switches(self) -> None:
        """Desktop reminders, each on until turned off (saved per person, as the text size)."""
        from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel, QVBoxLayout

        from ..domain.reminders import ReminderKind

        f = self.form
        group = QGroupBox("Desktop reminders", f.textGroup.parentWidget())
        group.setObjectName("remindersGroup")
        group.setAccessibleName("Desktop reminders")
        box = QVBoxLayout(group)
        hint = QLabel("Shown in the system tray when the app starts and after each sync, at most once "
                      "a day for each record or action. They give counts only, never what a record says.")
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.reminder_checks: dict = {}
        previous: QWidget = f.textSizeCombo
        for kind in ReminderKind:
            check = QCheckBox(kind.setting_label, group)
            check.setObjectName(f"reminder_{kind.value}")
            check.setAccessibleName(f"Remind me: {kind.setting_label}")
            check.setChecked(True)
            check.toggled.connect(lambda on, k=kind: self.reminder_toggled(k, on))
            box.addWidget(check)
            QWidget.setTabOrder(previous, check)
            previous = check
            self.reminder_checks[kind] = check
        outer = f.settingsContentLayout  # the layout textGroup is in
        outer.insertWidget(outer.indexOf(f.textGroup) + 1, group)

    def reminder_toggled(self, kind, on: bool) -> None:
        if self._loading:
            return
        from ..store.reminder_queries import set_reminder_enabled

        staff_id = self.ctx.actor.staff_id
        self.ctx.tasks.write(lambda s: set_reminder_enabled(s, staff_id, kind, on))

    def first_focus(self):
        return self.form.textSizeCombo

    def refresh(self) -> None:
        actor = self.ctx.actor
        def load(s):
            from ..store.reminder_queries import enabled_reminders

            return (load_text_scale(s, actor.staff_id), queries.team_policies(s, actor),
                    enabled_reminders(s, actor.staff_id))

        self.ctx.tasks.read(load, self._show, self.failed)

    def _show(self, data) -> None:
        scale, policies, reminders_on = data
        f = self.form
        self._loading = True
        f.textSizeCombo.setCurrentIndex(scale)
        for kind, check in self.reminder_checks.items():
            check.setChecked(kind in reminders_on)
        self.policies = policies
        f.policyTeamCombo.clear()
        for p in policies:
            f.policyTeamCombo.addItem(p.team_name, p.team_id)
        self._loading = False
        f.policyGroup.setVisible(bool(policies))
        self._team_chosen(f.policyTeamCombo.currentIndex())
        self.loaded.emit()

    def _team_chosen(self, index: int) -> None:
        if self._loading or not (0 <= index < len(self.policies)):
            return
        f = self.form
        row = self.policies[index]
        f.intervalSpin.setValue(row.policy.standard_interval_days)
        f.dueSoonSpin.setValue(row.policy.due_soon_days)
        self.durationSpin.setValue(row.policy.standard_duration_minutes)
        self.durationSpin.setReadOnly(not row.can_set)
        self.groupCountsCheck.setChecked(row.policy.group_counts_toward_frequency)
        self.groupCountsCheck.setEnabled(row.can_set)
        phases = "; ".join(f"every {p.interval_days} days until day {p.until_days}" for p in row.policy.asye_phases)
        f.asyeInfoLabel.setText(f"Newly qualified workers: {phases}; then the standard interval.")
        for w in (f.intervalSpin, f.dueSoonSpin):
            w.setReadOnly(not row.can_set)
        f.savePolicyButton.setVisible(row.can_set)
        # "Saved the policy for ..." outlives the reload that saving starts (refresh_all)
        saved_team, saved = self._policy_saved_note
        self._policy_saved_note = ("", "")
        if not row.can_set:
            saved = "Only the service manager or head of service changes this policy."
        elif saved_team != row.team_id:
            saved = ""
        f.policyMessageLabel.setText(saved)

    def text_size_changed(self, index: int) -> None:
        if self._loading:
            return
        apply_text_scale(TEXT_SCALES[index])
        staff_id = self.ctx.actor.staff_id
        self.ctx.tasks.write(lambda s: save_text_scale(s, staff_id, index))

    def save_policy(self) -> None:
        f = self.form
        index = f.policyTeamCombo.currentIndex()
        if not (0 <= index < len(self.policies)):
            return
        row = self.policies[index]
        try:
            policy = SupervisionPolicy(standard_interval_days=f.intervalSpin.value(),
                                       asye_phases=row.policy.asye_phases,
                                       due_soon_days=f.dueSoonSpin.value(),
                                       standard_duration_minutes=self.durationSpin.value(),
                                       group_counts_toward_frequency=self.groupCountsCheck.isChecked())
        except ValueError as problem:
            self._say_policy(str(problem))
            return
        actor = self.ctx.actor

        def done(_r):
            said = f"Saved the policy for {row.team_name}."
            self._say_policy(said)
            self._policy_saved_note = (row.team_id, said)
            self.ctx.window.refresh_all()

        self.ctx.tasks.write(lambda s: sr.set_team_policy(s, actor, row.team_id, policy), done,
                             lambda e: self._say_policy(user_message(e)))

    def _say_policy(self, text: str) -> None:
        """The policy's message line, announced: a screen reader does not hear a label change
        by itself (issue 19: a status message is announced)."""
        self.form.policyMessageLabel.setText(text)
        announce(self.form.policyMessageLabel, text)
