from supervision_app.gui.main_window import MainWindow
from supervision_app.version import __version__


def test_about_box_shows_the_one_version_number(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    assert f"Supervision Recorder {__version__}" in window.about_text()
    window.about_action.trigger()
    from PySide6.QtWidgets import QMessageBox

    shown = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert shown and __version__ in shown[0].text()
