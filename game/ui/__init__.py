"""The classroom front end (pygame-ce + pygame_gui). Entry point: game.ui.app.App."""
