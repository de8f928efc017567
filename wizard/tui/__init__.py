"""The Textual wizard. Imported only when the wizard runs (Textual costs ~0.5 s to import)."""


def run_tui(session_path=None, call_mode: bool = False) -> int:
    from wizard.tui.app import LaunchReadyApp

    app = LaunchReadyApp(session_path=session_path, call_mode=call_mode)
    app.run()
    return app.return_code or 0  # non-zero when the app stopped on an error
