"""The app's screens: each a .py (thin: it asks ClerkCore and draws the answer) and a .kv."""

from clerk_app.screens.alerts import AlertsScreen
from clerk_app.screens.base import ClerkScreen
from clerk_app.screens.complaint import ComplaintScreen
from clerk_app.screens.enrol import EnrolScreen
from clerk_app.screens.handover import HandoverScreen
from clerk_app.screens.help import HelpScreen
from clerk_app.screens.home import HomeScreen
from clerk_app.screens.member import MemberScreen
from clerk_app.screens.outbox import OutboxScreen
from clerk_app.screens.returns import ReturnsScreen
from clerk_app.screens.scan import ScanScreen
from clerk_app.screens.signin import SignInScreen
from clerk_app.screens.stock import StockScreen
from clerk_app.screens.stocktake import StockTakeScreen

SCREENS: list[type[ClerkScreen]] = [
    SignInScreen,
    HomeScreen,
    ScanScreen,
    MemberScreen,
    EnrolScreen,
    StockScreen,
    ComplaintScreen,
    HandoverScreen,
    AlertsScreen,
    OutboxScreen,
    HelpScreen,
    ReturnsScreen,
    StockTakeScreen,
]

__all__ = ["SCREENS", "ClerkScreen"]
