/** Moved to components/ so platform features list their settings the same way. */
export { EditDeleteButtons, SettingsListPage } from "../../components/SettingsListPage";
